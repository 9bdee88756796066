module github.com/basalt-dev/basalt/tools

go 1.26.0

replace (
	github.com/basalt-dev/basalt/deploy/testenv => ../deploy/testenv
	github.com/basalt-dev/basalt/sdk => ../sdk
)

require (
	github.com/basalt-dev/basalt/deploy/testenv v0.0.0-00010101000000-000000000000
	github.com/basalt-dev/basalt/sdk v0.0.0-00010101000000-000000000000
)
