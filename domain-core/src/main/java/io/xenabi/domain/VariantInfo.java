package io.xenabi.domain;

import io.xenabi.abi.AbiVariant;
import java.util.List;

/**
 * One ABI variant present now, for {@code abi:list}.
 *
 * @param variant family, name and capability bit
 * @param bundleId the bundle that provides it (-1 outside a framework)
 * @param bundleVersion that bundle's version ("" outside a framework)
 * @param domains the domains using it now
 * @param state {@code active}, or {@code standby} for a further implementation kept in case the
 *     active one leaves
 */
public record VariantInfo(AbiVariant variant, long bundleId, String bundleVersion, List<Integer> domains,
        String state) {
}
