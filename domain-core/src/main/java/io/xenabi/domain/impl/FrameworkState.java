package io.xenabi.domain.impl;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;

/**
 * What the component asks of the framework it runs in, if any: bundle versions (which of two
 * implementations of a variant is newer, abi:list) and whether the framework is stopping (then
 * no implementation comes back, and nobody waits for one).
 */
final class FrameworkState {
    private volatile BundleContext context;

    void set(BundleContext context) {
        this.context = context;
    }

    Version version(long id) {
        Bundle b = bundle(id);
        return b == null ? Version.emptyVersion : b.getVersion();
    }

    /** The version of a bundle present, or null. */
    String versionString(long id) {
        Bundle b = bundle(id);
        return b == null ? null : b.getVersion().toString();
    }

    private Bundle bundle(long id) {
        BundleContext c = context;
        return c == null || id < 0 ? null : c.getBundle(id);
    }

    boolean stopping() {
        BundleContext c = context;
        if (c == null) {
            return false;
        }
        try {
            return c.getBundle(0).getState() == Bundle.STOPPING || c.getBundle().getState() == Bundle.STOPPING;
        } catch (IllegalStateException e) {
            return true; // our context is no longer valid
        }
    }
}
