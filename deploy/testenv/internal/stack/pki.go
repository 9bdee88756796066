package stack

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki is the key material of one control plane, made fresh at every up.
type pki struct {
	caCert, caKey         string // the cluster CA (also --root-ca-file)
	serverCert, serverKey string // kube-apiserver's serving certificate
	saKey                 string // service account token signing key

	// API aggregation: the API server proxies metrics.k8s.io to metrics-server with a client
	// certificate of its own CA (the front proxy's), which metrics-server trusts for the
	// user names in the request headers.
	frontProxyCACert              string
	frontProxyCert, frontProxyKey string
	// metrics-server's serving certificate, of the cluster CA: the aggregator checks it against
	// the APIService's CA bundle and the name metrics-server.kube-system.svc.
	metricsCert, metricsKey string
	// The real node's kubelet: its serving certificate (for its bridge address; metrics-server
	// checks it against the cluster CA), and the client certificate the API server shows it
	// for logs and exec (the kubelet trusts the cluster CA for clients).
	kubeletCert, kubeletKey             string
	kubeletClientCert, kubeletClientKey string
}

// frontProxyClientName is the front proxy certificate's common name, the one name
// --requestheader-allowed-names lets set the request headers.
const frontProxyClientName = "front-proxy-client"

func newPKI(dir string, nodeIP net.IP) (*pki, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &pki{
		caCert: filepath.Join(dir, "ca.crt"), caKey: filepath.Join(dir, "ca.key"),
		serverCert: filepath.Join(dir, "apiserver.crt"), serverKey: filepath.Join(dir, "apiserver.key"),
		saKey:            filepath.Join(dir, "sa.key"),
		frontProxyCACert: filepath.Join(dir, "front-proxy-ca.crt"),
		frontProxyCert:   filepath.Join(dir, "front-proxy-client.crt"), frontProxyKey: filepath.Join(dir, "front-proxy-client.key"),
		metricsCert: filepath.Join(dir, "metrics-server.crt"), metricsKey: filepath.Join(dir, "metrics-server.key"),
		kubeletCert: filepath.Join(dir, "kubelet.crt"), kubeletKey: filepath.Join(dir, "kubelet.key"),
		kubeletClientCert: filepath.Join(dir, "apiserver-kubelet-client.crt"), kubeletClientKey: filepath.Join(dir, "apiserver-kubelet-client.key"),
	}
	ca, err := newCA("basalt-testenv-ca")
	if err != nil {
		return nil, err
	}
	frontProxyCA, err := newCA("basalt-testenv-front-proxy-ca")
	if err != nil {
		return nil, err
	}
	server, err := ca.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback, net.IPv4(10, 96, 0, 1)},
	})
	if err != nil {
		return nil, err
	}
	frontProxy, err := frontProxyCA.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: frontProxyClientName},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return nil, err
	}
	metrics, err := ca.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "metrics-server"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost", metricsServiceName + "." + metricsNamespace + ".svc"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	})
	if err != nil {
		return nil, err
	}
	kubelet, err := ca.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: RealNodeName},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{RealNodeName},
		IPAddresses: []net.IP{nodeIP},
	})
	if err != nil {
		return nil, err
	}
	kubeletClient, err := ca.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver-kubelet-client", Organization: []string{"system:masters"}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return nil, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	for path, block := range map[string]*pem.Block{
		p.caCert:            certBlock(ca.cert),
		p.caKey:             ecBlock(ca.key),
		p.serverCert:        certBlock(server.cert),
		p.serverKey:         ecBlock(server.key),
		p.saKey:             ecBlock(saKey),
		p.frontProxyCACert:  certBlock(frontProxyCA.cert),
		p.frontProxyCert:    certBlock(frontProxy.cert),
		p.frontProxyKey:     ecBlock(frontProxy.key),
		p.metricsCert:       certBlock(metrics.cert),
		p.metricsKey:        ecBlock(metrics.key),
		p.kubeletCert:       certBlock(kubelet.cert),
		p.kubeletKey:        ecBlock(kubelet.key),
		p.kubeletClientCert: certBlock(kubeletClient.cert),
		p.kubeletClientKey:  ecBlock(kubeletClient.key),
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// keyPair is a certificate and its private key.
type keyPair struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newCA(name string) (keyPair, error) {
	return issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: name},
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}, keyPair{})
}

// issue signs a certificate made from tmpl with the CA ca.
func (ca keyPair) issue(tmpl *x509.Certificate) (keyPair, error) {
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	return issue(tmpl, ca)
}

// issue makes a key and a certificate from tmpl, valid for a year, signed by parent or, when
// parent is empty, by itself.
func issue(tmpl *x509.Certificate, parent keyPair) (keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return keyPair{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return keyPair{}, err
	}
	now := time.Now()
	tmpl.SerialNumber = serial
	tmpl.NotBefore, tmpl.NotAfter = now.Add(-time.Hour), now.Add(365*24*time.Hour)
	signer, signerKey := tmpl, key
	if parent.cert != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		return keyPair{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return keyPair{}, err
	}
	return keyPair{cert: cert, key: key}, nil
}

func certBlock(c *x509.Certificate) *pem.Block {
	return &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}
}

func ecBlock(k *ecdsa.PrivateKey) *pem.Block {
	der, _ := x509.MarshalECPrivateKey(k)
	return &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
}
