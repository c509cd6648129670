package io.xenabi.gnttab.v2.impl;

import io.xenabi.gnttab.GrantVersion;
import io.xenabi.gnttab.testkit.GrantVersionContract;

/** Grant table v2 against gnttab-api's contract. */
class GrantVersionV2ContractTest extends GrantVersionContract {
    @Override
    protected GrantVersion version() {
        return new GrantTableV2();
    }
}
