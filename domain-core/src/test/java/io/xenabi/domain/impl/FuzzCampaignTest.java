package io.xenabi.domain.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import net.jqwik.api.lifecycle.FalsifiedSample;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.ShrunkFalsifiedSample;
import org.junit.jupiter.api.Test;

/** The long-campaign hook refuses to report a campaign shorter than the one asked for. */
class FuzzCampaignTest {
    /** A property's outcome: only status, tries and the failure matter to the hook. */
    record Outcome(Status status, int countTries, Optional<Throwable> throwable) implements PropertyExecutionResult {
        @Override
        public Optional<String> seed() {
            return Optional.of("1");
        }

        @Override
        public Optional<List<Object>> falsifiedParameters() {
            return Optional.empty();
        }

        @Override
        public int countChecks() {
            return countTries;
        }

        @Override
        public Optional<FalsifiedSample> originalSample() {
            return Optional.empty();
        }

        @Override
        public Optional<ShrunkFalsifiedSample> shrunkSample() {
            return Optional.empty();
        }

        @Override
        public PropertyExecutionResult mapTo(Status newStatus, Throwable cause) {
            return new Outcome(newStatus, countTries, Optional.ofNullable(cause));
        }
    }

    private static Outcome ran(int tries) {
        return new Outcome(PropertyExecutionResult.Status.SUCCESSFUL, tries, Optional.empty());
    }

    @Test
    void aCampaignThatRanFewerTriesThanAskedFails() {
        PropertyExecutionResult r = FuzzCampaign.checkTriesRan("11000", ran(150));
        assertEquals(PropertyExecutionResult.Status.FAILED, r.status());
        assertTrue(r.throwable().orElseThrow().getMessage().contains("asked for 11000 tries but ran 150"));
    }

    @Test
    void aCampaignThatRanEveryTryStandsAsItIs() {
        assertEquals(PropertyExecutionResult.Status.SUCCESSFUL, FuzzCampaign.checkTriesRan("11000", ran(11000)).status());
    }

    @Test
    void withoutACampaignTheCiRunIsLeftAlone() {
        assertEquals(PropertyExecutionResult.Status.SUCCESSFUL, FuzzCampaign.checkTriesRan("", ran(150)).status());
    }
}
