{{/*
Every object of a release has the release's name: Basalt names releases
<chart>-<random number>, unique in the namespace already.
*/}}
{{- define "rstudio.fullname" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "rstudio.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "rstudio.labels" -}}
{{ include "rstudio.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The port RStudio Server listens on. */}}
{{- define "rstudio.port" -}}
8787
{{- end -}}

{{/*
The password of the rstudio user: the form's; else the one already stored, so that an upgrade (a suspend or
a resume) does not change it; else a new random one.
*/}}
{{- define "rstudio.password" -}}
{{- if .Values.security.password -}}
{{- .Values.security.password -}}
{{- else -}}
{{- $stored := lookup "v1" "Secret" .Release.Namespace (include "rstudio.fullname" .) -}}
{{- with dig "data" "PASSWORD" "" $stored -}}
{{- b64dec . -}}
{{- else -}}
{{- randAlphaNum 24 -}}
{{- end -}}
{{- end -}}
{{- end -}}
