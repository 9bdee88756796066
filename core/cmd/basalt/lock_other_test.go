//go:build !unix

package main

// heldByAnother is always false where the localsecrets plugin takes no lock.
func heldByAnother(string) bool { return false }
