using CaiEvents.EventStore.Audit;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CaiEvents.Cli.Rendering;

/// <summary>Human-readable rendering of one event and its provenance (the fields come from <see cref="EventDescriptions"/>).</summary>
public static class AuditView
{
    public static IRenderable Render(long sequence, long version, object data)
    {
        var (title, provenance, fields) = EventDescriptions.Describe(data);
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        foreach (var (name, value) in fields) grid.AddRow(new Markup($"[bold]{name}[/]"), new Text(value));
        if (provenance is not null)
        {
            grid.AddRow(new Markup("[grey]worker[/]"), new Text($"{provenance.WorkerRole} {provenance.WorkerInstance}"));
            if (provenance.ModelId is not null)
                grid.AddRow(new Markup("[grey]model[/]"), new Text($"{provenance.ModelId} (checkpoint {provenance.CheckpointHash})"));
            if (provenance.Served is { } served)
                grid.AddRow(new Markup("[grey]served as[/]"), new Text(EventDescriptions.Served(served)));
            if (provenance.Sampling is { } s)
                grid.AddRow(new Markup("[grey]sampling[/]"), new Text(
                    $"seed {provenance.Seed}, temperature {s.Temperature}, top_p {s.TopP}, top_k {s.TopK}, max_new_tokens {s.MaxNewTokens}"));
            grid.AddRow(new Markup("[grey]constitution[/]"), new Text(
                $"{provenance.ConstitutionId} sha256:{provenance.ConstitutionHash[..16]}…, template {provenance.PromptTemplateVersion}"));
            if (provenance.ChatTemplate is not null)
                grid.AddRow(new Markup("[grey]chat template[/]"), new Text(provenance.ChatTemplate));
            grid.AddRow(new Markup("[grey]ids[/]"), new Text($"step {provenance.StepId}, caused by {provenance.CausationId}, at {provenance.RecordedAt:O}"));
        }
        return new Panel(grid).Header($"#{version} {title} (seq {sequence})").Expand();
    }
}
