package io.xenabi.domain.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Turns a fuzz property into a long campaign on demand. With the system property
 * {@code xenabi.fuzz.tries=N} the property runs N tries instead of its CI count, with the seed
 * {@code xenabi.fuzz.seed} or, without it, a random one; either way the campaign's counts (tries,
 * hypercalls, distinct results, time, seed) are printed and written to
 * {@code target/fuzz-campaign.txt}. Without the property nothing changes.
 */
public class FuzzCampaign implements AroundPropertyHook {
    static final String TRIES = "xenabi.fuzz.tries";
    static final String SEED = "xenabi.fuzz.seed";

    private static final AtomicLong CALLS = new AtomicLong();
    private static final Set<String> RESULTS = ConcurrentHashMap.newKeySet();

    /** Counts one step and its outcome ("op:result"). */
    static void count(String result) {
        CALLS.incrementAndGet();
        RESULTS.add(result);
    }

    /** Declared on a test class, it reaches every property of the class. */
    @Override
    public net.jqwik.api.lifecycle.PropagationMode propagateTo() {
        return net.jqwik.api.lifecycle.PropagationMode.ALL_DESCENDANTS;
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        String tries = System.getProperty(TRIES, "").trim();
        if (!tries.isEmpty()) {
            context.attributes().setTries(Integer.parseInt(tries));
            String seed = System.getProperty(SEED, "").trim();
            context.attributes().setSeed(seed.isEmpty() ? Long.toString(new java.util.Random().nextLong()) : seed);
        }
        CALLS.set(0);
        RESULTS.clear();
        long start = System.nanoTime();
        PropertyExecutionResult result = property.execute();
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        String report = String.format("%s: %s, tries=%d, checks=%d, hypercalls=%d, distinct results=%d, time=%d s,"
                + " seed=%s%n", context.extendedLabel(), result.status(), result.countTries(), result.countChecks(),
                CALLS.get(), RESULTS.size(), seconds, result.seed().orElse("?"));
        System.out.print(report);
        if (!tries.isEmpty()) {
            try {
                Path out = Path.of("target", "fuzz-campaign.txt");
                Files.createDirectories(out.getParent());
                Files.writeString(out, report + String.join("\n", new java.util.TreeSet<>(RESULTS)) + "\n",
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException e) {
                System.err.println("could not write the campaign report: " + e);
            }
        }
        return checkTriesRan(tries, result);
    }

    /**
     * A campaign that ran fewer tries than asked (jqwik ignoring the raised count, or generation
     * exhausted early) would report a long run that never happened: it fails instead.
     */
    static PropertyExecutionResult checkTriesRan(String tries, PropertyExecutionResult result) {
        if (tries.isEmpty() || result.status() != PropertyExecutionResult.Status.SUCCESSFUL) {
            return result;
        }
        int asked = Integer.parseInt(tries);
        return result.countTries() >= asked ? result
                : result.mapToFailed("campaign asked for " + asked + " tries but ran " + result.countTries());
    }
}
