/* SPDX-License-Identifier: MIT */
/* The x86_64 instruction-size helpers the atomics headers use. */
#ifndef NG_ASM_ASM_H
#define NG_ASM_ASM_H
#define __ASM_SIZE(inst, ...) " " #inst "q" #__VA_ARGS__ " "
#define _ASM_PTR " .quad "
#define CC_SET(c) "\n\t/* output condition code " #c "*/\n"
#define CC_OUT(c) "=@cc" #c
#endif
