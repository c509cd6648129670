package io.xenabi.shell.impl;

import io.xenabi.domain.Hypervisor;
import io.xenabi.domain.VariantInfo;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code abi} scope: the ABI variants present, their bundles and users. */
@Component(service = Object.class, property = {
    "osgi.command.scope=abi",
    "osgi.command.function=list"
})
public final class AbiCommands {
    private final Hypervisor hypervisor;

    @Activate
    public AbiCommands(@Reference(name = "hypervisor") Hypervisor hypervisor) {
        this.hypervisor = hypervisor;
    }

    @Descriptor("list every ABI variant: family, name, capability bit, bundle id and version, domains using it;"
            + " then the variant bundles refused and why")
    public String list() {
        return variantTable(hypervisor.variantInfo(), hypervisor.refusedVariants());
    }

    static String variantTable(List<VariantInfo> variants, List<String> refused) {
        Table t = new Table("Family", "Variant", ">Bit", ">Bundle", "Version", "State", "Domains");
        for (VariantInfo v : variants) {
            t.row(v.variant().family(), v.variant().name(), v.variant().isBase() ? "base"
                    : String.valueOf(v.variant().capability()), v.bundleId() < 0 ? "-" : String.valueOf(v.bundleId()),
                    v.bundleVersion().isEmpty() ? "-" : v.bundleVersion(), v.state(),
                    v.domains().isEmpty() ? "-" : v.domains().stream().map(String::valueOf)
                            .collect(Collectors.joining(",")));
        }
        StringBuilder out = new StringBuilder(t.toString());
        for (String r : refused) {
            out.append("\nrefused: ").append(r);
        }
        return out.toString();
    }
}
