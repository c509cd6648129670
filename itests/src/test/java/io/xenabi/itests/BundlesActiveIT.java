package io.xenabi.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import io.xenabi.abi.AbiVariant;
import io.xenabi.domain.Hypervisor;
import io.xenabi.evtchn.EvtchnVariant;
import io.xenabi.gnttab.GrantVersion;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/** Every bundle resolves and starts in Felix, and the variant services carry their properties. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BundlesActiveIT {
    @Inject
    private BundleContext context;

    @Inject
    private Hypervisor hypervisor;

    @Configuration
    public Option[] config() {
        return XenabiOptions.xenabi();
    }

    @Test
    public void everyBundleIsActive() {
        List<String> notActive = new ArrayList<>();
        int xenabi = 0;
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName().startsWith("io.xenabi.")) {
                xenabi++;
            }
            if (b.getHeaders().get("Fragment-Host") == null && b.getState() != Bundle.ACTIVE) {
                notActive.add(b.getSymbolicName() + " state " + b.getState());
            }
        }
        assertTrue("not active: " + notActive, notActive.isEmpty());
        assertEquals("the thirteen xenabi bundles", 13, xenabi);
    }

    @Inject
    private io.xenabi.toolstack.Toolstack toolstack;

    @Test
    public void theToolstackServesTheXlVerbsOverTheHypervisor() {
        int d = toolstack.create(hypervisor.defaults("ts"));
        try {
            String json = toolstack.listJson(d);
            assertTrue(json, json.contains("\"name\" : \"ts\"") && json.contains("\"evtchn-fifo\""));
        } finally {
            hypervisor.destroy(d);
        }
    }

    @Test
    public void bothEventChannelVariantsAreRegisteredWithTheirProperties() throws Exception {
        Collection<ServiceReference<EvtchnVariant>> refs = context.getServiceReferences(EvtchnVariant.class, null);
        Map<String, Object> capabilityByName = new HashMap<>();
        for (ServiceReference<EvtchnVariant> r : refs) {
            assertEquals("evtchn", r.getProperty(AbiVariant.PROP_FAMILY));
            capabilityByName.put((String) r.getProperty(AbiVariant.PROP_VARIANT), r.getProperty(AbiVariant.PROP_CAPABILITY));
        }
        assertEquals(Map.of("2l", -1, "fifo", 0), capabilityByName);
    }

    @Test
    public void bothGrantTableVersionsAreRegisteredWithTheirProperties() throws Exception {
        Map<String, Object> capabilityByName = new HashMap<>();
        for (ServiceReference<GrantVersion> r : context.getServiceReferences(GrantVersion.class, null)) {
            assertEquals("gnttab", r.getProperty(AbiVariant.PROP_FAMILY));
            capabilityByName.put((String) r.getProperty(AbiVariant.PROP_VARIANT), r.getProperty(AbiVariant.PROP_CAPABILITY));
        }
        assertEquals(Map.of("v1", -1, "v2", 1), capabilityByName);
    }

    @Test
    public void theHypervisorSeesTheFourVariantsAndDomainZero() {
        assertNotNull(hypervisor);
        List<String> names = new ArrayList<>();
        for (AbiVariant v : hypervisor.variants()) {
            names.add(v.qualifiedName());
        }
        assertEquals(List.of("evtchn-2l", "evtchn-fifo", "gnttab-v1", "gnttab-v2"), names);
        assertEquals("Domain-0", hypervisor.info(Hypervisor.DOMID_0).orElseThrow().name());
    }
}
