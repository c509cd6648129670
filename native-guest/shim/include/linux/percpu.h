/* SPDX-License-Identifier: MIT */
#include <ng/kernel.h>
