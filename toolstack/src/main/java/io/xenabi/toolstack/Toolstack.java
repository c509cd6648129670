package io.xenabi.toolstack;

import io.xenabi.domain.DomainConfig;
import io.xenabi.toolstack.xl.XlConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * The xl verbs over the hypervisor and the guest kernels. A bad request is answered with an
 * exception whose message is one line naming the cause (a {@link io.xenabi.domain.DomainException}
 * from the hypervisor, an {@link IllegalArgumentException} from the toolstack's own checks) and
 * leaves nothing half done.
 */
@org.osgi.annotation.versioning.ProviderType
public interface Toolstack {
    /** The note {@link #save} keeps with the image: the mode the guest kernel was booted with. */
    String GUEST_MODE = "guest.mode";

    /**
     * The note {@link #save} keeps with the image: the event-channel ABI the guest kernel was
     * using (an {@code io.xenabi.guest.EvtchnAbi} name), which {@link #restore} resumes it on.
     */
    String GUEST_ABI = "guest.abi";

    /**
     * Reads an xl.cfg file over the host's defaults, naming variants among those present; the
     * result's warnings say what was ignored.
     */
    XlConfig readConfig(Path file);

    /** Creates a domain from {@code config} and returns its id (xl create). */
    int create(DomainConfig config);

    /** The resolved configuration as JSON, as {@code xl create -n} prints it. */
    String configJson(DomainConfig config);

    /**
     * Every domain listed (or only {@code domid}'s when it is not negative), as a JSON array
     * like {@code xl list -l}: each element holds the domid, the state and the configuration with
     * the fixed permit set by variant name.
     */
    String listJson(int domid);

    /**
     * xl shutdown: the guest kernel, if one runs, stops cleanly; then the domain powers off and
     * stays until destroyed.
     */
    void shutdown(int domid);

    /**
     * xl reboot as {@code on_reboot=restart} does: the guest stops, the domain shuts down with
     * reason reboot, is destroyed and created again with the same configuration (a new domid);
     * a guest kernel that ran boots again in the same mode.
     */
    Rebooted reboot(int domid);

    /**
     * xl save: refuses a destination that cannot be written while the guest still runs; then
     * suspends the guest kernel, if one runs, and saves the domain (which destroys it), keeping
     * the guest's mode in the image's notes.
     */
    void save(int domid, Path file);

    /**
     * xl restore: restores the image; a guest kernel that ran resumes on the new domain. When it
     * cannot, the restored domain is destroyed and nothing is left behind.
     */
    RestoredDomain restore(Path file);

    /** The ABI variants present now (the ones {@link VariantNames} names). */
    List<io.xenabi.abi.AbiVariant> variants();
}
