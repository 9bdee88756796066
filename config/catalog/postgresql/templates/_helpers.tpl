{{/*
Every object of a release has the release's name: Basalt names releases
<chart>-<random number>, unique in the namespace already.
*/}}
{{- define "postgresql.fullname" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "postgresql.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "postgresql.labels" -}}
{{ include "postgresql.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/*
The account's password: the form's; else the one already stored, so that an upgrade (a
suspend or a resume) does not change it; else a new random one. PostgreSQL keeps the
password it was created with anyway: changing it here later does not change the database's.
*/}}
{{- define "postgresql.password" -}}
{{- if .Values.security.password -}}
{{- .Values.security.password -}}
{{- else -}}
{{- $stored := lookup "v1" "Secret" .Release.Namespace (include "postgresql.fullname" .) -}}
{{- with dig "data" "POSTGRES_PASSWORD" "" $stored -}}
{{- b64dec . -}}
{{- else -}}
{{- randAlphaNum 24 -}}
{{- end -}}
{{- end -}}
{{- end -}}
