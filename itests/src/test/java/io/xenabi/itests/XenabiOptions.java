package io.xenabi.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.ops4j.pax.exam.Option;

/** The run every integration test shares: the runtime bundles and the reactor's own jars. */
final class XenabiOptions {
    private XenabiOptions() {
    }

    static Option[] xenabi() {
        List<Option> opts = new ArrayList<>();
        opts.add(junitBundles());
        opts.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        opts.add(mavenBundle("org.osgi", "org.osgi.util.function", version("osgi.function.version")));
        opts.add(mavenBundle("org.osgi", "org.osgi.util.promise", version("osgi.promise.version")));
        opts.add(mavenBundle("org.osgi", "org.osgi.service.component", version("osgi.ds.version")));
        opts.add(mavenBundle("org.apache.felix", "org.apache.felix.scr", version("felix.scr.version")));
        opts.add(mavenBundle("org.apache.felix", "org.apache.felix.configadmin", version("felix.configadmin.version")));
        opts.add(mavenBundle("org.apache.felix", "org.apache.felix.gogo.runtime", version("gogo.runtime.version")));
        opts.add(mavenBundle("com.fasterxml.jackson.core", "jackson-core", version("jackson.version")));
        for (String path : System.getProperty("xenabi.bundles", "").split(",")) {
            File jar = new File(path.trim());
            if (!jar.isFile()) {
                throw new AssertionError("reactor bundle " + jar + " is missing: run mvn verify from the root");
            }
            opts.add(bundle(jar.toURI().toString()));
        }
        return options(opts.toArray(new Option[0]));
    }

    private static String version(String property) {
        String v = System.getProperty(property);
        if (v == null) {
            throw new AssertionError("system property " + property + " is not set (see itests/pom.xml)");
        }
        return v;
    }
}
