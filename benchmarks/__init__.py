"""kvsbench harness: data, experiment config, paired runner, records, reports and the CLI."""
