{{/*
Every object of a release has the release's name: Basalt names releases
<chart>-<random number>, unique in the namespace already.
*/}}
{{- define "jupyter.fullname" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "jupyter.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "jupyter.labels" -}}
{{ include "jupyter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The port JupyterLab listens on. */}}
{{- define "jupyter.port" -}}
8888
{{- end -}}

{{/*
The login token: the form's; else the one already stored, so that an upgrade (a suspend or
a resume) does not change it; else a new random one.
*/}}
{{- define "jupyter.password" -}}
{{- if .Values.security.password -}}
{{- .Values.security.password -}}
{{- else -}}
{{- $stored := lookup "v1" "Secret" .Release.Namespace (include "jupyter.fullname" .) -}}
{{- with dig "data" "JUPYTER_TOKEN" "" $stored -}}
{{- b64dec . -}}
{{- else -}}
{{- randAlphaNum 24 -}}
{{- end -}}
{{- end -}}
{{- end -}}
