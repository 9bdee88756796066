package onyxiaimport

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/basalt-dev/basalt/config"
)

// projectPrefix is what Basalt accepts as projects.user_prefix and group_prefix.
var projectPrefix = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)

// region converts one Onyxia region into a Basalt region, its plugin instances (Kubernetes,
// S3, Vault) and its launch settings file.
func (c *converter) region(n int, r *object) error {
	rawID := r.str("id")
	id := regionID(rawID, n)
	if id != rawID {
		c.note("%s.id %q became %q (Basalt region ids are lower-case letters, digits and dashes)", r.path, rawID, id)
	}
	out := basaltRegion{ID: id, Name: r.str("name"), Description: r.str("description")}
	settings := map[string]any{"id": id}
	if out.Name != "" {
		settings["name"] = out.Name
	}
	r.none("onyxiaAPI", "Basalt serves its own API at server.public_url")
	r.none("auth", "Basalt's authentication is instance-wide (auth.*)")
	r.none("git", "Basalt has no git integration setting")

	namespaces := map[string]any{}
	for _, key := range []string{"includedGroupPattern", "excludedGroupPattern", "transformGroupPattern"} {
		if v := r.str(key); v != "" {
			namespaces[key] = v
		}
	}

	svc := r.child("services")
	services := map[string]any{}
	switch t := svc.str("type"); strings.ToUpper(t) {
	case "", "KUBERNETES":
		cluster := c.kubernetes(svc, namespaces, services, n == 0)
		name := id + "-kubernetes"
		c.out.Plugins[name] = basaltPlugin{Kind: "region", Path: "basalt-plugin-kubernetes", Config: cluster}
		out.Region = name
	default:
		*c.report = append(*c.report, Unmapped{Field: svc.at("type"), Value: t, Reason: "Basalt runs services on Kubernetes only"})
	}
	out.MonitoringURL = c.monitoring(svc.child("monitoring"))
	for _, key := range []string{"customValues", "initScript", "openshiftSCC"} {
		if v, ok := svc.take(key); ok {
			services[key] = v
		}
	}
	if dc := svc.child("defaultConfiguration"); len(dc.fields) > 0 {
		kept := map[string]any{}
		for _, key := range []string{"ipprotection", "networkPolicy", "from", "tolerations", "nodeSelector", "startupProbe", "kafka", "sliders", "resources"} {
			if v, ok := dc.take(key); ok {
				kept[key] = v
			}
		}
		dc.rest("not a field of Onyxia's defaultConfiguration")
		services["defaultConfiguration"] = kept
	}
	svc.rest("a service setting without a Basalt equivalent")
	if len(services) > 0 {
		settings["services"] = services
	}

	data := r.child("data")
	out.Storage = c.s3(id, data)
	data.rest("Basalt reads data.S3 only")

	out.Secrets = c.vault(id, r.child("vault"), settings, services)

	for _, key := range []string{"proxyInjection", "packageRepositoryInjection", "certificateAuthorityInjection"} {
		inj := r.child(key)
		if key == "certificateAuthorityInjection" {
			inj.none("crts", "deprecated in Onyxia: give cacerts")
		}
		if len(inj.fields) > 0 {
			settings[key] = inj.fields
		}
	}
	r.rest("a region field without a Basalt equivalent")

	if len(settings) > 2 || settings["services"] != nil {
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(settings); err != nil {
			return err
		}
		b := buf.Bytes()
		file := "region-" + id + ".yaml"
		c.settings[file] = append([]byte("# Launch settings of region "+id+", in Onyxia's region format (imported).\n"), b...)
		out.Settings = c.settingsPath(file)
	}
	c.out.Regions = append(c.out.Regions, out)
	return nil
}

// onyxiaPlaceholder is a placeholder as Onyxia's URL patterns write them.
var onyxiaPlaceholder = regexp.MustCompile(`\$[A-Za-z][A-Za-z0-9_]*`)

// monitoring maps services.monitoring.URLPattern to the region's monitoring_url, which fills
// the same placeholders; a pattern Basalt would refuse is reported instead.
func (c *converter) monitoring(m *object) string {
	pattern := m.str("URLPattern")
	m.rest("Onyxia's monitoring has URLPattern only")
	if pattern == "" {
		return ""
	}
	if err := config.CheckMonitoringURL(pattern); err != nil {
		*c.report = append(*c.report, Unmapped{Field: m.at("URLPattern"), Value: pattern, Reason: "monitoring_url " + err.Error()})
		return ""
	}
	for _, p := range onyxiaPlaceholder.FindAllString(pattern, -1) {
		if p != config.MonitoringNamespace && p != config.MonitoringInstance {
			c.note("%s: %s stays as written: Basalt fills %s and %s only, as Onyxia's web does", m.at("URLPattern"), p, config.MonitoringNamespace, config.MonitoringInstance)
		}
	}
	return pattern
}

// kubernetes converts a region's services section into the Kubernetes plugin's configuration,
// filling the launch settings' services (expose, allowedURIPattern, prefixes) on the way.
func (c *converter) kubernetes(svc *object, namespaces, services map[string]any, first bool) map[string]any {
	cfg := map[string]any{}
	single := true // Onyxia's default
	if v, set := svc.boolean("singleNamespace"); set {
		single = v
	}
	if single {
		namespaces["singleNamespace"] = "onyxia"
		c.note("%s.singleNamespace: Onyxia ran every project in its own namespace; Basalt uses the namespace %q (plugins.*.config.namespaces.singleNamespace): set the one Onyxia used", svc.path, "onyxia")
	}
	for key, reason := range map[string]string{
		"allowNamespaceCreation": "Basalt always creates project namespaces",
		"userNamespace":          "Basalt always gives each user a personal project",
	} {
		if v, set := svc.boolean(key); set && !v {
			*c.report = append(*c.report, Unmapped{Field: svc.at(key), Value: "false", Reason: reason})
		}
	}
	for _, p := range []struct{ onyxia, project string }{{"namespacePrefix", "user"}, {"groupNamespacePrefix", "group"}} {
		prefix := svc.str(p.onyxia)
		if prefix == "" {
			continue
		}
		namespaces[p.onyxia] = prefix
		services[p.onyxia] = prefix
		if !first {
			continue
		}
		if !projectPrefix.MatchString(prefix) {
			c.note("%s.%s %q cannot be a Basalt project prefix (lower-case letters, digits, dashes): projects keep Basalt's default", svc.path, p.onyxia, prefix)
		} else if p.project == "user" {
			c.out.Projects.UserPrefix = prefix
		} else {
			c.out.Projects.GroupPrefix = prefix
		}
	}
	for _, key := range []string{"namespaceLabels", "namespaceAnnotations"} {
		if m := stringMap(svc.value(key)); m != nil {
			namespaces[key] = m
		}
	}
	svc.none("namespaceAnnotationsDynamic", "Basalt does not annotate namespaces with user claims")

	access := map[string]any{}
	for _, key := range []string{"usernamePrefix", "groupPrefix"} {
		if v := svc.str(key); v != "" {
			access[key] = v
		}
	}
	switch mode := svc.str("authenticationMode"); mode {
	case "":
	case "serviceAccount", "impersonate":
		access["authenticationMode"] = mode
	default:
		*c.report = append(*c.report, Unmapped{Field: svc.at("authenticationMode"), Value: mode, Reason: "Basalt knows serviceAccount and impersonate"})
	}
	if server := svc.child("server"); len(server.fields) > 0 {
		server.none("URL", "write a kubeconfig for this API server and set the plugin's kubeconfig")
		server.rest("credentials go into the kubeconfig file, not the configuration")
	} else {
		cfg["inCluster"] = true
	}
	if ep := svc.child("k8sPublicEndpoint"); len(ep.fields) > 0 {
		// Users' kubeconfigs carry their ID token, as Onyxia's do, to this API server.
		if u := ep.str("URL"); u != "" {
			cfg["clusterAccess"] = map[string]any{"mode": "idToken", "server": u}
		}
		ep.none("oidcConfiguration", "Basalt's kubeconfigs carry the ID token of Basalt's own sign-in (auth.oidc.client_id): the API server must accept that client")
		ep.rest("a public endpoint setting without a Basalt equivalent")
	}
	if v := svc.str("allowedURIPattern"); v != "" {
		services["allowedURIPattern"] = v
	}

	ex := svc.child("expose")
	expose, launchExpose := map[string]any{}, map[string]any{}
	for _, key := range []string{"domain", "ingressClassName", "ingress", "route", "istio"} {
		if v, ok := ex.take(key); ok {
			expose[key], launchExpose[key] = v, v
		}
	}
	if v, ok := ex.take("ingressPort"); ok {
		expose["ingressPort"] = v
	}
	if v, ok := ex.take("certManager"); ok {
		launchExpose["certManager"] = v
	}
	ex.rest("an exposure setting without a Basalt equivalent")
	if len(launchExpose) > 0 {
		services["expose"] = launchExpose
	}

	q := svc.child("quotas")
	quotas := map[string]any{}
	for _, key := range []string{"userEnabled", "groupEnabled"} {
		if v, set := q.boolean(key); set {
			quotas[key] = v
		}
	}
	for _, key := range []string{"user", "group"} {
		if m := stringMap(q.value(key)); m != nil {
			quotas[key] = m
		}
	}
	if roles, ok := q.take("roles"); ok {
		if m, isMap := roles.(map[string]any); isMap && len(m) > 0 {
			out := map[string]any{}
			for role, quota := range m {
				out[role] = stringMap(quota)
			}
			quotas["roles"] = out
		}
	}
	q.rest("legacy quota field (Onyxia reads userEnabled/user, groupEnabled/group and roles)")

	for key, section := range map[string]map[string]any{"namespaces": namespaces, "access": access, "expose": expose, "quotas": quotas} {
		if len(section) > 0 {
			cfg[key] = section
		}
	}
	return cfg
}

// s3 turns the region's data.S3 into an S3 plugin instance; it returns the instance's name, or
// "" when no entry can be one.
func (c *converter) s3(id string, data *object) string {
	raw, ok := data.take("S3")
	if !ok {
		return ""
	}
	entries, isList := raw.([]any)
	if !isList {
		entries = []any{raw}
	}
	name := ""
	for i, e := range entries {
		path := data.at("S3")
		if isList {
			path = fmt.Sprintf("%s[%d]", path, i)
		}
		o := newObject(path, e, c.report)
		if _, hasSTS := o.fields["sts"]; !hasSTS || name != "" {
			reason := "Basalt's S3 plugin takes one store per region"
			if !hasSTS {
				reason = "without sts Onyxia only pre-fills users' own S3 profiles; give the S3 plugin sts or staticCredentials"
			}
			*c.report = append(*c.report, Unmapped{Field: path, Value: o.str("URL"), Reason: reason})
			continue
		}
		name = id + "-s3"
		cfg := map[string]any{"endpoint": strings.TrimSuffix(o.str("URL"), "/")}
		if v := o.str("region"); v != "" {
			cfg["region"] = v
		}
		if v, set := o.boolean("pathStyleAccess"); set {
			cfg["pathStyle"] = v
		}
		cfg["sts"] = c.sts(o.child("sts"))
		if wd := o.child("workingDirectory"); len(wd.fields) > 0 {
			kept := map[string]any{}
			for _, key := range []string{"bucketMode", "bucketName", "prefix", "prefixGroup", "bucketNamePrefix", "bucketNamePrefixGroup"} {
				if v := wd.str(key); v != "" {
					kept[key] = v
				}
			}
			wd.rest("not a working directory field")
			cfg["workingDirectory"] = kept
		}
		o.none("bookmarks", "Basalt has no administrator bookmarks")
		o.rest("an S3 field without a Basalt equivalent")
		c.out.Plugins[name] = basaltPlugin{Kind: "storage", Path: "basalt-plugin-s3", Config: cfg}
	}
	return name
}

func (c *converter) sts(sts *object) map[string]any {
	cfg := map[string]any{}
	if v := sts.str("URL"); v != "" {
		cfg["endpoint"] = v
	}
	if v, ok := sts.take("durationSeconds"); ok {
		if n, isNumber := v.(float64); isNumber && n >= 900 && n <= 604800 {
			cfg["durationSeconds"] = int(n)
		} else {
			*c.report = append(*c.report, Unmapped{Field: sts.at("durationSeconds"), Value: brief(v), Reason: "Basalt takes 900 to 604800 seconds"})
		}
	}
	sts.none("oidcConfiguration", "Basalt exchanges the caller's own ID token")
	raw, _ := sts.take("role")
	roles, isList := raw.([]any)
	if !isList && raw != nil {
		roles = []any{raw}
	}
	var out []any
	for i, r := range roles {
		path := sts.at("role")
		if isList {
			path = fmt.Sprintf("%s[%d]", path, i)
		}
		o := newObject(path, r, c.report)
		role := map[string]any{}
		for _, key := range []string{"roleARN", "claimName", "includedClaimPattern", "excludedClaimPattern"} {
			if v := o.str(key); v != "" {
				role[key] = v
			}
		}
		o.none("profileName", "Basalt has one S3 profile per region, named after it")
		o.none("roleSessionName", "Basalt names STS sessions itself")
		o.rest("an STS role field without a Basalt equivalent")
		if role["roleARN"] != nil {
			out = append(out, role)
		}
	}
	if len(out) > 0 {
		cfg["roles"] = out
	}
	sts.rest("an STS field without a Basalt equivalent")
	return cfg
}

// vault turns the region's vault section into a Vault plugin instance (and the launch
// settings' vault); it returns the instance's name, or "".
func (c *converter) vault(id string, v *object, settings, services map[string]any) string {
	if len(v.fields) == 0 {
		return ""
	}
	launch := map[string]any{}
	for _, key := range []string{"URL", "kvEngine", "role", "authPath", "prefix", "groupPrefix"} {
		if s, ok := v.fields[key].(string); ok && s != "" {
			launch[key] = s
		}
	}
	settings["vault"] = launch
	address, role := v.str("URL"), v.str("role")
	cfg := map[string]any{"address": strings.TrimSuffix(address, "/"), "jwtRole": role}
	if s := v.str("kvEngine"); s != "" {
		cfg["kvMount"] = s
	}
	if s := v.str("authPath"); s != "" {
		cfg["jwtMount"] = s
	}
	prefix, groupPrefix := v.str("prefix"), v.str("groupPrefix")
	cfg["userHome"] = prefix + "{username}"
	groupNamespacePrefix, _ := services["groupNamespacePrefix"].(string)
	if groupNamespacePrefix == "" {
		groupNamespacePrefix = "projet-" // Onyxia's default
	}
	cfg["groupHome"] = groupPrefix + groupNamespacePrefix + "{group}"
	v.none("oidcConfiguration", "Basalt logs in to Vault with the caller's own ID token")
	v.rest("a Vault field without a Basalt equivalent")
	if address == "" || role == "" {
		*c.report = append(*c.report, Unmapped{Field: v.path, Value: address,
			Reason: "Basalt's Vault plugin needs both URL and role (its jwtRole): no secrets plugin made"})
		return ""
	}
	name := id + "-vault"
	c.out.Plugins[name] = basaltPlugin{Kind: "secrets", Path: "basalt-plugin-vault", Config: cfg}
	return name
}
