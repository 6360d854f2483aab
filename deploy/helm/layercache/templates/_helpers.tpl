{{/* Labels Helm adds to every object on top of deploy/'s own. */}}
{{- define "layercache.helmLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "layercache.image" -}}
{{ .image.repository }}:{{ .image.tag | default .chart.AppVersion }}
{{- end }}

{{/* Fails on values the chart cannot honour, naming the value and why. */}}
{{- define "layercache.validate" -}}
{{- if not (has .Values.logLevel (list "trace" "debug" "info" "warn" "error")) }}
{{- fail (printf "logLevel %q: must be one of trace, debug, info, warn, error" .Values.logLevel) }}
{{- end }}
{{- end }}

{{/* The JVM options that set a log level other than slf4j-simple's default (info). */}}
{{- define "layercache.logLevelOption" -}}
{{- if ne .Values.logLevel "info" }}-Dorg.slf4j.simpleLogger.defaultLogLevel={{ .Values.logLevel }}{{ end }}
{{- end }}
