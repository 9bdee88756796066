// Package isolation holds the tenant-isolation suite: a matrix of users against every
// endpoint of the API, through the real OIDC provider of the test environment. The suite is
// in isolation_test.go; the matrix is built from the server's route table, so an endpoint
// without a row fails it.
package isolation
