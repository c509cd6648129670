package io.xenabi.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

import io.xenabi.abi.AbiCapability;
import io.xenabi.guest.AbiMode;
import io.xenabi.guest.EvtchnAbi;
import java.util.Dictionary;
import java.util.Hashtable;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** The host configuration through the real ConfigAdmin, with its Metatype description. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HostConfigIT extends GuestDomains {
    @Inject
    private ConfigurationAdmin configAdmin;

    @Test
    public void theMetatypeDescriptionShipsWithDomainCore() {
        Bundle core = null;
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName().equals("io.xenabi.domain-core")) {
                core = b;
            }
        }
        assertNotNull(core);
        assertNotNull(core.getEntry("OSGI-INF/metatype/io.xenabi.host.xml"));
    }

    @Test
    public void aConfigurationChangeReachesDomainsCreatedAfterIt() throws Exception {
        Configuration c = configAdmin.getConfiguration("io.xenabi.host", "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("abi.permit.default", "gnttab-v2");
        props.put("max.grant.frames", 16);
        c.update(props);
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (hypervisor.defaults("x").abiPermit() != AbiCapability.mask(AbiCapability.XENABI_CAP_GNTTAB_V2)
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(16, hypervisor.defaults("x").maxGrantFrames());
            int d = domain(hypervisor.defaults("configured"));
            assertEquals("FIFO is not in the default permit set", EvtchnAbi.TWO_LEVEL, guests.start(d, AbiMode.AUTO)
                    .abi());
        } finally {
            c.delete();
        }
    }
}
