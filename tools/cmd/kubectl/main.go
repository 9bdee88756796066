// Command kubectl is kubectl itself, built from its Go module at the release of the
// repository's other Kubernetes modules: the tests that check that what Basalt gives users
// (a kubeconfig) works with kubectl run it, as the test environment ships no kubectl binary.
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	if err := cli.RunNoErrOutput(cmd.NewDefaultKubectlCommand()); err != nil {
		cmdutil.CheckErr(err) // prints as kubectl does, and exits 1
	}
}
