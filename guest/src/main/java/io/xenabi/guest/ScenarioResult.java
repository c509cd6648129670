package io.xenabi.guest;

/**
 * What a lifecycle scenario found.
 *
 * @param scenario its name
 * @param bootAbi the ABI the boot kernel ended up on
 * @param hypervisorAbi the ABI the hypervisor drove the domain with after the handover
 * @param resumedAbi the ABI the resumed kernel drives
 * @param sent events sent to the resumed kernel's domain (round trips tried)
 * @param lost round trips that never came back
 */
public record ScenarioResult(String scenario, String bootAbi, String hypervisorAbi, String resumedAbi, int sent,
        int lost) {
}
