package org.switchboard.arquillian;

/**
 * A stand-in for a test JVM that is interrupted while Switchboard is deployed: deploys through the adapter
 * (runner directory and archive as arguments), prints the runner's pid, and waits to be terminated.
 */
public final class DeployAndWait {

    private DeployAndWait() {
    }

    public static void main(String[] args) throws Exception {
        SwitchboardConfiguration configuration = new SwitchboardConfiguration().set("runnerDir", args[0])
                .set("war", args[1]).set("javaOptions", "-Xmx256m").set("startupTimeoutSeconds", "180");
        configuration.validate();
        SwitchboardContainer container = new SwitchboardContainer();
        container.setup(configuration);
        DeployedSwitchboard switchboard = container.deploy(SwitchboardDeployment.switchboard())
                .getContext(DeployedSwitchboard.class);
        System.out.println("deployed pid=" + switchboard.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
