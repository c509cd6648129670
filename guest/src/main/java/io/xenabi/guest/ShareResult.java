package io.xenabi.guest;

/**
 * What {@link Guests#share} found.
 *
 * @param from the granting domain
 * @param to the mapping or copying domain
 * @param version the grant-table version the granting kernel ended up on
 * @param mode map or copy
 * @param shared pages granted
 * @param verified pages whose bytes the receiver read back exactly
 * @param failed pages not verified: map, copy or compare failed, or access could not be ended
 * @param note why the version differs from the one asked, or empty
 */
public record ShareResult(int from, int to, int version, ShareMode mode, int shared, int verified, int failed,
        String note) {
}
