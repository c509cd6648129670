/* SPDX-License-Identifier: MIT */
#define LOCK_PREFIX "\n\tlock; "
