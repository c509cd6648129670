package io.xenabi.domain.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Host-wide settings, ConfigAdmin PID {@code io.xenabi.host} (a file {@code io.xenabi.host.cfg}
 * in the home's {@code etc/}). A change applies to domains created afterwards, never to running
 * ones: a domain's permit bitmap and limits are fixed when it is created.
 */
@ObjectClassDefinition(id = HostConfig.PID, name = "xenabi host",
        description = "Defaults for new domains and the host maximum of ABI variants.")
@interface HostConfig {
    String PID = "io.xenabi.host";

    @AttributeDefinition(name = "Default permitted variants",
            description = "Advanced ABI variants a new domain may use when its configuration does not say: "
                    + "qualified names (evtchn-fifo, gnttab-v2), comma-separated; * for all; empty for none.")
    String[] abi_permit_default() default {"*"};

    @AttributeDefinition(name = "Host maximum",
            description = "Advanced ABI variants any domain created from now on may use at most: qualified "
                    + "names, comma-separated; * for all; empty for none (base variants are always there).")
    String[] abi_permit_max() default {"*"};

    @AttributeDefinition(name = "Default max_event_channels", min = "1")
    int max_event_channels() default 1023;

    @AttributeDefinition(name = "Default max_grant_frames", min = "1")
    int max_grant_frames() default 64;

    @AttributeDefinition(name = "Default max_maptrack_frames", min = "0")
    int max_maptrack_frames() default 1024;
}
