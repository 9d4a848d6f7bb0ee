package com.example.listbackends;

import io.loomux.BackendInfo;
import io.loomux.Loomux;

/**
 * Prints what {@link Loomux#backends()} finds, one line per backend; run in a child JVM by the
 * discovery test, on the class path or with the plugin on the module path.
 */
public final class ListBackends {

    private ListBackends() {
    }

    /**
     * @param args none
     */
    public static void main(String[] args) {
        System.out.println("api module: " + Loomux.class.getModule()
                + ", plugin module on the module path: " + ModuleLayer.boot().findModule("com.example.loomux.counting").isPresent());
        for (BackendInfo b : Loomux.backends()) {
            System.out.println(b.name() + " priority=" + b.priority() + " available=" + b.availability().available()
                    + " reason=" + b.availability().reason() + " class=" + b.providerClass());
        }
    }
}
