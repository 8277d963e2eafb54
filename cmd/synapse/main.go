// Command synapse runs the Synapse service and its administration commands.
package main

import (
	"os"

	"github.com/synapse-kb/synapse/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], cli.Env{Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
