package io.xenabi.bridge.impl;

import io.xenabi.domain.Hypervisor;
import io.xenabi.domain.NativeDomain;
import io.xenabi.domain.NativeGuests;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The guest bridge: each native guest domain (xl.cfg {@code native_guest = 1}) gets a Unix
 * socket {@code dom<id>.sock} (0600) in the run folder (0700), served as docs/native-guests.md
 * says: one connection per vCPU, hypercalls through the door, upcalls and physmap changes.
 *
 * <p>Who may connect: Java cannot read {@code SO_PEERCRED} portably, so the bridge relies on
 * the file modes: the run folder is 0700 and every socket and file in it 0600, owned by the
 * user running xenabi, so only that user (and root) can reach a socket or open a domain's RAM.
 */
@Component(immediate = true, service = GuestBridge.class)
public final class GuestBridge implements NativeGuests.Listener {
    private static final System.Logger LOG = System.getLogger(GuestBridge.class.getName());
    private final NativeGuests natives;
    private final Hypervisor hypervisor;
    private final Map<Integer, DomainServer> servers = new ConcurrentHashMap<>();

    @Activate
    public GuestBridge(@Reference NativeGuests natives, @Reference Hypervisor hypervisor) {
        this.natives = natives;
        this.hypervisor = hypervisor;
        natives.addListener(this);
    }

    @Deactivate
    public void close() {
        natives.removeListener(this);
        for (Integer domid : List.copyOf(servers.keySet())) {
            destroyed(domid);
        }
    }

    @Override
    public void created(NativeDomain domain) {
        try {
            DomainServer s = new DomainServer(domain, hypervisor);
            servers.put(domain.domid(), s);
            s.start();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "d" + domain.domid() + ": no bridge socket: " + e.getMessage());
        }
    }

    @Override
    public void destroyed(int domid) {
        DomainServer s = servers.remove(domid);
        if (s != null) {
            s.close();
        }
    }

    /** The socket of native domain {@code domid}'s bridge, or null. */
    public java.nio.file.Path socket(int domid) {
        DomainServer s = servers.get(domid);
        return s == null ? null : s.socket();
    }
}
