package io.xenabi.toolstack.impl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.SchedOp;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.Hypervisor;
import io.xenabi.domain.Restored;
import io.xenabi.guest.AbiMode;
import io.xenabi.guest.EvtchnAbi;
import io.xenabi.guest.GuestKernel;
import io.xenabi.guest.Guests;
import io.xenabi.toolstack.Rebooted;
import io.xenabi.toolstack.RestoredDomain;
import io.xenabi.toolstack.Toolstack;
import io.xenabi.toolstack.VariantNames;
import io.xenabi.toolstack.xl.XlConfig;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The toolstack over the hypervisor service and the guest kernels. */
@Component(service = Toolstack.class)
public final class ToolstackImpl implements Toolstack {
    private final Hypervisor hypervisor;
    private final Guests guests;

    @Activate
    public ToolstackImpl(@Reference(name = "hypervisor") Hypervisor hypervisor,
            @Reference(name = "guests") Guests guests) {
        this.hypervisor = hypervisor;
        this.guests = guests;
    }

    @Override
    public List<AbiVariant> variants() {
        return hypervisor.variants();
    }

    @Override
    public XlConfig readConfig(Path file) {
        return XlConfig.read(file, hypervisor.defaults("-"), hypervisor.variants());
    }

    @Override
    public int create(DomainConfig config) {
        return hypervisor.create(config);
    }

    @Override
    public String configJson(DomainConfig config) {
        return new XlConfig(config, VariantNames.names(config.abiPermit(), hypervisor.variants()), List.of()).toJson();
    }

    @Override
    public String listJson(int domid) {
        List<DomainInfo> domains = domid < 0 ? hypervisor.list() : List.of(hypervisor.info(domid).orElseThrow());
        List<AbiVariant> present = hypervisor.variants();
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(w).useDefaultPrettyPrinter()) {
            g.writeStartArray();
            for (DomainInfo d : domains) {
                g.writeStartObject();
                g.writeNumberField("domid", d.domid());
                g.writeStringField("state", d.state().name().toLowerCase(Locale.ROOT));
                g.writeStringField("evtchn_abi", d.evtchnAbi());
                g.writeNumberField("grant_version", d.grantVersion());
                g.writeFieldName("config");
                XlConfig.write(g, d.config().withAbiPermit(d.permit()), d.permitsEveryVariant() && d.domid() == 0
                        ? VariantNames.names(d.permit(), present) : d.permitNames());
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    @Override
    public void shutdown(int domid) {
        if (guests.kernel(domid).isPresent()) {
            guests.stop(domid);
        }
        hypervisor.shutdown(domid, SchedOp.SHUTDOWN_poweroff);
    }

    @Override
    public Rebooted reboot(int domid) {
        DomainInfo info = hypervisor.info(domid).orElseThrow();
        AbiMode mode = guests.kernel(domid).map(GuestKernel::mode).orElse(null);
        if (mode != null) {
            guests.stop(domid);
        }
        hypervisor.shutdown(domid, SchedOp.SHUTDOWN_reboot);
        hypervisor.destroy(domid);
        int again = hypervisor.create(info.config());
        String abi = mode == null ? "" : guests.start(again, mode).abi().variantName();
        return new Rebooted(info.name(), domid, again, abi);
    }

    @Override
    public void save(int domid, Path file) {
        writable(file);
        Map<String, String> notes = new LinkedHashMap<>();
        guests.kernel(domid).ifPresent(k -> {
            notes.put(GUEST_MODE, k.mode().name());
            notes.put(GUEST_ABI, k.abi().name());
        });
        if (notes.containsKey(GUEST_MODE)) {
            guests.suspend(domid);
        }
        hypervisor.save(domid, file, notes);
    }

    /**
     * Refuses {@code file} unless an image can be written there: as xl opens the file before it
     * suspends the domain, a bad destination is refused while the guest still runs.
     */
    private static void writable(Path target) {
        Path folder = target.toAbsolutePath().getParent();
        if (Files.isDirectory(target)) {
            throw new IllegalArgumentException("xl:save: " + target + " is a directory");
        }
        if (folder == null || !Files.isDirectory(folder)) {
            throw new IllegalArgumentException("xl:save: cannot write " + target + ": no directory " + folder);
        }
        if (!Files.isWritable(folder)) {
            throw new IllegalArgumentException("xl:save: cannot write " + target + ": permission denied");
        }
    }

    @Override
    public RestoredDomain restore(Path file) {
        Restored r = hypervisor.restore(file);
        String mode = r.notes().get(GUEST_MODE);
        String abi = "";
        if (mode != null) {
            try {
                // Linux's resume path, not a boot: the kernel keeps the event-channel ABI it had
                // (evtchn_fifo_resume / xen_irq_resume). An image from before the ABI was noted
                // boots the guest again, as it did then.
                String used = r.notes().get(GUEST_ABI);
                abi = (used == null ? guests.start(r.domid(), AbiMode.valueOf(mode))
                        : guests.resume(r.domid(), AbiMode.valueOf(mode), EvtchnAbi.valueOf(used))).abi().variantName();
            } catch (RuntimeException e) {
                // Nothing half-done: a domain whose guest cannot resume is not left behind.
                hypervisor.destroy(r.domid());
                String why = e instanceof IllegalArgumentException ? "the image names an unknown guest mode or ABI"
                        : e.getMessage();
                throw new IllegalArgumentException("xl:restore: the guest could not resume (" + why
                        + "); the restored domain was destroyed");
            }
        }
        String name = hypervisor.info(r.domid()).map(DomainInfo::name).orElse("?");
        return new RestoredDomain(name, r.domid(), abi);
    }
}
