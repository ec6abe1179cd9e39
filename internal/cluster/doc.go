// Package cluster runs a deployment of several instances on one machine, for
// the cluster tests (internal/faults) and the cluster benchmark (hmbench
// cluster): nginx in front of the instances, a fresh database on a Galera
// cluster whose nodes the instances are spread over. It is tooling, not part
// of the product: the program never imports it, and nothing here decides how
// a real deployment is run beyond what docs/scale-out.md describes.
package cluster
