// Command synapse runs the Synapse service and its administration commands.
package main

import (
	"os"
	// The IANA time zone database, so that people's zones load on systems
	// without one (minimal containers).
	_ "time/tzdata"

	"github.com/synapse-kb/synapse/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], cli.Env{Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
