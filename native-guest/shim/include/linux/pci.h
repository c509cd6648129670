/* SPDX-License-Identifier: MIT */
#include <ng/irq.h>
