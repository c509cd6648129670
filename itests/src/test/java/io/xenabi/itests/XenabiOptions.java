package io.xenabi.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ops4j.pax.exam.Option;

/**
 * The run every integration test shares: the bundles {@code itests.bndrun} resolves to (the
 * product's without its console, with the product's {@code cnf/run.bnd}), exported by the build to
 * {@code target/export/itests/}.
 */
final class XenabiOptions {
    private XenabiOptions() {
    }

    static Option[] xenabi() {
        List<Option> opts = new ArrayList<>();
        opts.add(junitBundles());
        opts.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        String dir = System.getProperty("xenabi.runbundles");
        File[] jars = dir == null ? null : new File(dir).listFiles((d, name) -> name.endsWith(".jar"));
        if (jars == null || jars.length == 0) {
            throw new AssertionError("no bundles exported from itests.bndrun in " + dir + ": run mvn verify from the root");
        }
        Arrays.sort(jars);
        for (File jar : jars) {
            opts.add(bundle(jar.toURI().toString()));
        }
        return options(opts.toArray(new Option[0]));
    }
}
