package io.xenabi.domain.impl;

import io.xenabi.abi.AbiVariant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The ABI variant services present now, of every family, as domain-core tracks them: a
 * variant is known by its service properties alone, so a new variant is a new bundle and
 * nothing else. Capability bits are global: a second variant claiming a bit already owned,
 * or a second base variant of a family, is refused and the reason kept.
 */
final class Variants {
    private static final System.Logger LOG = System.getLogger(Variants.class.getName());

    /** One variant service, and the bundle that registered it (-1 outside a framework). */
    record Impl<S>(AbiVariant variant, S service, long bundleId) {
    }

    private final Map<String, Impl<?>> byName = new ConcurrentHashMap<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();

    /** Adds a service of {@code family}; returns its variant, or null when refused. */
    synchronized AbiVariant add(String family, Object service, Map<String, ?> properties) {
        AbiVariant v;
        try {
            v = AbiVariant.fromProperties(properties);
        } catch (IllegalArgumentException e) {
            return refuse(family + " variant service refused: " + e.getMessage());
        }
        if (!family.equals(v.family())) {
            return refuse("variant " + v.qualifiedName() + " registered as a " + family + " variant");
        }
        for (Impl<?> other : byName.values()) {
            AbiVariant o = other.variant();
            if (o.qualifiedName().equals(v.qualifiedName())) {
                return refuse("second implementation of " + v.qualifiedName() + " ignored");
            }
            if (!v.isBase() && o.capability() == v.capability()) {
                return refuse("variant " + v.qualifiedName() + " refused: capability bit " + v.capability()
                        + " is owned by " + o.qualifiedName());
            }
            if (v.isBase() && o.isBase() && o.family().equals(family)) {
                return refuse("variant " + v.qualifiedName() + " refused: " + o.qualifiedName()
                        + " is already the base " + family + " variant");
            }
        }
        Object bid = properties.get("service.bundleid");
        byName.put(v.qualifiedName(), new Impl<>(v, service, bid instanceof Number n ? n.longValue() : -1));
        return v;
    }

    private AbiVariant refuse(String why) {
        refused.add(why);
        LOG.log(System.Logger.Level.WARNING, why);
        return null;
    }

    /** Removes whichever variant {@code service} provided; returns it, or null. */
    synchronized AbiVariant remove(Object service) {
        for (Impl<?> i : byName.values()) {
            if (i.service() == service) {
                byName.remove(i.variant().qualifiedName());
                return i.variant();
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    <S> Impl<S> get(String family, String name) {
        return (Impl<S>) byName.get(family + "-" + name);
    }

    /** The family's base variant, or null while none is present. */
    @SuppressWarnings("unchecked")
    <S> Impl<S> base(String family) {
        for (Impl<?> i : byName.values()) {
            if (i.variant().isBase() && i.variant().family().equals(family)) {
                return (Impl<S>) i;
            }
        }
        return null;
    }

    /** Every variant of {@code family} present now. */
    @SuppressWarnings("unchecked")
    <S> List<Impl<S>> of(String family) {
        List<Impl<S>> out = new ArrayList<>();
        for (Impl<?> i : byName.values()) {
            if (i.variant().family().equals(family)) {
                out.add((Impl<S>) i);
            }
        }
        return out;
    }

    List<Impl<?>> impls() {
        List<Impl<?>> out = new ArrayList<>(byName.values());
        out.sort(Comparator.comparing(i -> i.variant().qualifiedName()));
        return out;
    }

    List<AbiVariant> all() {
        List<AbiVariant> out = new ArrayList<>();
        for (Impl<?> i : byName.values()) {
            out.add(i.variant());
        }
        out.sort(Comparator.comparing(AbiVariant::qualifiedName));
        return out;
    }

    List<String> refusals() {
        return List.copyOf(refused);
    }
}
