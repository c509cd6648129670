/* SPDX-License-Identifier: MIT */
/* No swiotlb in a native guest. */
