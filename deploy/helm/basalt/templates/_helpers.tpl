{{/* The chart's name, or nameOverride. */}}
{{- define "basalt.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name: names every object of the release. */}}
{{- define "basalt.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "basalt.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "basalt.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "basalt.selectorLabels" -}}
app.kubernetes.io/name: {{ include "basalt.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "basalt.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "basalt.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "basalt.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "basalt.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret the pods read: the chart's or an existing one. */}}
{{- define "basalt.secretName" -}}
{{- if .Values.secret.create -}}
{{- include "basalt.fullname" . -}}
{{- else -}}
{{- .Values.secret.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "basalt.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The configuration file: .Values.config as YAML. */}}
{{- define "basalt.configYAML" -}}
{{- if .Values.config -}}
{{- toYaml .Values.config -}}
{{- else -}}
{}
{{- end -}}
{{- end -}}

{{/* Whether a Secret reaches the pods at all. */}}
{{- define "basalt.hasSecret" -}}
{{- if or .Values.secret.create .Values.secret.existingSecret -}}true{{- end -}}
{{- end -}}

{{/* Whether a kubernetes region plugin in config acts with the pod's ServiceAccount: an
     enabled plugin of kind region without a kubeconfig (inCluster, or client-go's in-cluster
     fallback). Only then does the ClusterRole of rbac.yaml serve. The embedded defaults
     declare plugins.cluster as a region plugin, switched off: a values file that enables it
     may leave its kind out. */}}
{{- define "basalt.regionInCluster" -}}
{{- range $name, $p := (.Values.config | default dict).plugins | default dict -}}
{{- $p = $p | default dict -}}
{{- $kind := $p.kind | default (eq $name "cluster" | ternary "region" "") -}}
{{- $enabled := hasKey $p "enabled" | ternary $p.enabled (ne $name "cluster") -}}
{{- if and (eq $kind "region") $enabled (not ($p.config | default dict).kubeconfig) -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{/* The Lease of the lifecycle engines (lifecycle.leader_election.name). */}}
{{- define "basalt.leaseName" -}}
{{- printf "%s-lifecycle" (include "basalt.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
