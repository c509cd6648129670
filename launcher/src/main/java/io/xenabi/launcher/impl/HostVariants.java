package io.xenabi.launcher.impl;

import io.xenabi.abi.AbiVariant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * {@code ./xenabi --without NAME}: a host that lacks an advanced ABI variant, as an older Xen
 * does. The variant's bundle stays installed but is stopped before the first command runs (and
 * before the shell takes the terminal), so no guest of this run ever sees the variant: it is not
 * among the variants a domain created here may be permitted, and a saved guest that used it is
 * refused on restore. A base variant (2-level event channels, grant table v1) is on every host
 * and cannot be left out. A bundle is stopped persistently (not transiently) so that nothing
 * starts it again during the run; the framework's cache is cleaned at each start of ./xenabi.
 */
final class HostVariants {
    /** The system property ./xenabi sets from its {@code --without} options (comma-separated). */
    static final String WITHOUT_PROPERTY = "xenabi.without";

    private HostVariants() {
    }

    /**
     * Stops the bundles of the named variants. Returns null, or the one line that says why
     * nothing was stopped (an unknown name, a base variant, a bundle that also provides a
     * variant not named).
     */
    static String keepOut(BundleContext context, String names) {
        Map<String, AbiVariant> variants = new TreeMap<>();
        Map<String, Bundle> bundles = new LinkedHashMap<>();
        try {
            ServiceReference<?>[] refs = context.getAllServiceReferences(null, "(" + AbiVariant.PROP_FAMILY + "=*)");
            for (ServiceReference<?> ref : refs == null ? new ServiceReference<?>[0] : refs) {
                AbiVariant v = AbiVariant.fromProperties(FrameworkUtil.asMap(ref.getProperties()));
                variants.put(v.qualifiedName(), v);
                bundles.put(v.qualifiedName(), ref.getBundle());
            }
        } catch (InvalidSyntaxException | IllegalArgumentException e) {
            return "--without: cannot list the variants: " + e.getMessage();
        }
        List<String> wanted = new ArrayList<>();
        for (String raw : names.split(",")) {
            String name = raw.trim();
            if (name.isEmpty()) {
                continue;
            }
            AbiVariant v = variants.get(name);
            if (v == null) {
                return "--without " + name + ": no variant named '" + name + "' (variants: "
                        + String.join(", ", variants.keySet()) + ")";
            }
            if (v.isBase()) {
                return "--without " + name + ": " + name + " is a base variant, which every host has";
            }
            wanted.add(name);
        }
        List<Bundle> stop = new ArrayList<>();
        for (String name : wanted) {
            Bundle b = bundles.get(name);
            for (Map.Entry<String, Bundle> other : bundles.entrySet()) {
                if (other.getValue() == b && !wanted.contains(other.getKey())) {
                    return "--without " + name + ": its bundle " + b.getSymbolicName() + " also provides "
                            + other.getKey() + " (name both to leave both out)";
                }
            }
            if (!stop.contains(b)) {
                stop.add(b);
            }
        }
        for (Bundle b : stop) {
            try {
                b.stop();
            } catch (BundleException | IllegalStateException e) {
                return "--without: cannot stop " + b.getSymbolicName() + ": " + XenabiMain.oneLine(e);
            }
        }
        return null;
    }
}
