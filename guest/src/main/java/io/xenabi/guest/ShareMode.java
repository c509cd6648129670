package io.xenabi.guest;

/** How the receiving kernel reads the pages shared with it in {@link Guests#share}. */
public enum ShareMode {
    /** GNTTABOP_map_grant_ref into its map area, read, then GNTTABOP_unmap_grant_ref. */
    MAP,
    /** GNTTABOP_copy from the grant into a page of its own. */
    COPY
}
