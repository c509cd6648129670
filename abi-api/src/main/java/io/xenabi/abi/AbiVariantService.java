package io.xenabi.abi;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The service properties of an ABI variant's component, as a DS component property type:
 * {@value #PREFIX_}{@code family}, {@value #PREFIX_}{@code variant} and
 * {@value #PREFIX_}{@code capability} (an Integer), the properties
 * {@link AbiVariant#fromProperties} reads. A variant writes
 * {@code @AbiVariantService(family = AbiVariant.FAMILY_EVTCHN, variant = "fifo", capability = 0)}
 * on its {@code @Component} instead of spelling the properties as strings.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface AbiVariantService {
    /** The prefix of the property names (DS maps {@code family()} to {@code xenabi.abi.family}). */
    String PREFIX_ = "xenabi.abi.";

    /** {@link AbiVariant#PROP_FAMILY}: {@link AbiVariant#FAMILY_EVTCHN} or {@link AbiVariant#FAMILY_GNTTAB}. */
    String family();

    /** {@link AbiVariant#PROP_VARIANT}: the variant's name in its family. */
    String variant();

    /** {@link AbiVariant#PROP_CAPABILITY}: its capability bit, or {@link AbiCapability#BASE}. */
    int capability();
}
