"""Parses an exposition on stdin with the Prometheus project's own Python client (a parser that
nobody here wrote) and prints its families as JSON, for test/openmetrics.test.ts.

usage: python3 parse-exposition.py openmetrics|prometheus < exposition
"""
import json
import math
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_prometheus


def number(value):
    if value is None:
        return None
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return value


def main():
    form = sys.argv[1]
    text = sys.stdin.read()
    parse = parse_openmetrics if form == "openmetrics" else parse_prometheus
    families = []
    for family in parse(text):
        samples = []
        for sample in family.samples:
            exemplar = None
            if sample.exemplar is not None:
                exemplar = {
                    "labels": sample.exemplar.labels,
                    "value": number(sample.exemplar.value),
                    "timestamp": number(float(sample.exemplar.timestamp)) if sample.exemplar.timestamp is not None else None,
                }
            samples.append({"name": sample.name, "labels": sample.labels, "value": number(sample.value), "exemplar": exemplar})
        families.append({"name": family.name, "type": family.type, "help": family.documentation, "samples": samples})
    json.dump(families, sys.stdout)


if __name__ == "__main__":
    main()
