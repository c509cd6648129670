package io.xenabi.domain.impl.variants;

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
public final class Variants {
    private static final System.Logger LOG = System.getLogger(Variants.class.getName());

    /** One variant service, and the bundle that registered it (-1 outside a framework). */
    public record Impl<S>(AbiVariant variant, S service, long bundleId) {
    }

    private final Map<String, Impl<?>> byName = new ConcurrentHashMap<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    /** Further implementations of variants present, kept in case the active one leaves. */
    private final List<Impl<?>> standby = new ArrayList<>();
    /** Which of two implementations of one variant is newer (bundle version, then bundle id). */
    private volatile Comparator<Impl<?>> newer = Comparator.comparingLong(Impl::bundleId);

    /** What {@link #add} did with a service. */
    public record Added(AbiVariant variant, Impl<?> replaced) {
        /** Whether the service is now the active implementation of its variant. */
        public boolean active() {
            return variant != null;
        }
    }

    /** What {@link #remove} did: the variant that left, and the standby promoted in its place. */
    public record Removed(AbiVariant variant, Impl<?> promoted) {
    }

    public void setNewer(Comparator<Impl<?>> comparator) {
        this.newer = comparator;
    }

    /** Adds a service of {@code family}; returns its variant, or null when refused or kept on standby. */
    public synchronized AbiVariant add(String family, Object service, Map<String, ?> properties) {
        return offer(family, service, properties).variant();
    }

    /**
     * Offers a service of {@code family}. A new variant becomes active; a second implementation
     * of a variant present goes on standby, or, when it is newer, becomes active and the one it
     * replaces goes on standby (a newer jar dropped into deploy/); a bit already owned by another
     * variant, or a second base of a family, is refused and the reason kept.
     */
    public synchronized Added offer(String family, Object service, Map<String, ?> properties) {
        AbiVariant v;
        try {
            v = AbiVariant.fromProperties(properties);
        } catch (IllegalArgumentException e) {
            refuse(family + " variant service refused: " + e.getMessage());
            return new Added(null, null);
        }
        if (!family.equals(v.family())) {
            refuse("variant " + v.qualifiedName() + " registered as a " + family + " variant");
            return new Added(null, null);
        }
        Object bid = properties.get("service.bundleid");
        Impl<Object> mine = new Impl<>(v, service, bid instanceof Number n ? n.longValue() : -1);
        for (Impl<?> other : byName.values()) {
            AbiVariant o = other.variant();
            if (o.qualifiedName().equals(v.qualifiedName())) {
                if (o.capability() != v.capability()) {
                    refuse("implementation of " + v.qualifiedName() + " refused: it claims bit " + v.capability()
                            + ", the variant has bit " + o.capability());
                    return new Added(null, null);
                }
                if (newer.compare(mine, other) > 0) {
                    standby.add(other);
                    byName.put(v.qualifiedName(), mine);
                    return new Added(v, other);
                }
                standby.add(mine);
                return new Added(null, null);
            }
            if (!v.isBase() && o.capability() == v.capability()) {
                refuse("variant " + v.qualifiedName() + " refused: capability bit " + v.capability()
                        + " is owned by " + o.qualifiedName());
                return new Added(null, null);
            }
            if (v.isBase() && o.isBase() && o.family().equals(family)) {
                refuse("variant " + v.qualifiedName() + " refused: " + o.qualifiedName()
                        + " is already the base " + family + " variant");
                return new Added(null, null);
            }
        }
        byName.put(v.qualifiedName(), mine);
        return new Added(v, null);
    }

    private void refuse(String why) {
        refused.add(why);
        LOG.log(System.Logger.Level.WARNING, why);
    }

    /** Removes whichever variant {@code service} provided; returns it, or null. */
    public synchronized AbiVariant remove(Object service) {
        return withdraw(service).variant();
    }

    /**
     * Withdraws {@code service}: from standby it just goes; when it was active, the newest
     * standby implementation of the same variant, if any, takes its place.
     */
    public synchronized Removed withdraw(Object service) {
        standby.removeIf(i -> i.service() == service);
        for (Impl<?> i : byName.values()) {
            if (i.service() == service) {
                String q = i.variant().qualifiedName();
                byName.remove(q);
                Impl<?> best = null;
                for (Impl<?> s : standby) {
                    if (s.variant().qualifiedName().equals(q) && (best == null || newer.compare(s, best) > 0)) {
                        best = s;
                    }
                }
                if (best != null) {
                    standby.remove(best);
                    byName.put(q, best);
                }
                return new Removed(i.variant(), best);
            }
        }
        return new Removed(null, null);
    }

    /** Implementations on standby, for abi:list. */
    public synchronized List<Impl<?>> standby() {
        return List.copyOf(standby);
    }

    @SuppressWarnings("unchecked")
    public <S> Impl<S> get(String family, String name) {
        return (Impl<S>) byName.get(family + "-" + name);
    }

    /** The family's base variant, or null while none is present. */
    @SuppressWarnings("unchecked")
    public <S> Impl<S> base(String family) {
        for (Impl<?> i : byName.values()) {
            if (i.variant().isBase() && i.variant().family().equals(family)) {
                return (Impl<S>) i;
            }
        }
        return null;
    }

    /** Every variant of {@code family} present now. */
    @SuppressWarnings("unchecked")
    public <S> List<Impl<S>> of(String family) {
        List<Impl<S>> out = new ArrayList<>();
        for (Impl<?> i : byName.values()) {
            if (i.variant().family().equals(family)) {
                out.add((Impl<S>) i);
            }
        }
        return out;
    }

    public List<Impl<?>> impls() {
        List<Impl<?>> out = new ArrayList<>(byName.values());
        out.sort(Comparator.comparing(i -> i.variant().qualifiedName()));
        return out;
    }

    public List<AbiVariant> all() {
        List<AbiVariant> out = new ArrayList<>();
        for (Impl<?> i : byName.values()) {
            out.add(i.variant());
        }
        out.sort(Comparator.comparing(AbiVariant::qualifiedName));
        return out;
    }

    public List<String> refusals() {
        return List.copyOf(refused);
    }
}
