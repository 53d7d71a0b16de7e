using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CaiEvents.Cli.Commands;

/// <summary>Human-readable rendering of one sample event and its provenance.</summary>
public static class AuditView
{
    public static IRenderable Render(long sequence, long version, object data)
    {
        var (title, provenance, fields) = data switch
        {
            PromptSubmitted e => ("PromptSubmitted", e.Provenance, new[] { ("prompt id", e.PromptId), ("source", $"{e.PromptSource}:{e.SourceLine}"), ("prompt", e.Prompt) }),
            ResponseGenerated e => ("ResponseGenerated", e.Provenance, new[] { ("response", e.Response) }),
            CritiqueProduced e => ($"CritiqueProduced (round {e.Round})", e.Provenance, new[] { ("principle", e.PrincipleId), ("request", e.CritiqueRequest), ("critique", e.Critique) }),
            RevisionProduced e => ($"RevisionProduced (round {e.Round})", e.Provenance, new[] { ("principle", e.PrincipleId), ("request", e.RevisionRequest), ("revision", e.Revision) }),
            SlExampleFinalized e => ("SlExampleFinalized", e.Provenance, new[] { ("completion", e.Completion), ("rounds", e.Rounds.ToString()) }),
            SampleStepFailed e => ($"SampleStepFailed ({e.Step})", e.Provenance, new[] { ("error", $"{e.ErrorType}: {e.ErrorMessage}") }),
            _ => (data.GetType().Name, (Provenance?)null, Array.Empty<(string, string)>()),
        };
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        foreach (var (name, value) in fields) grid.AddRow(new Markup($"[bold]{name}[/]"), new Text(value));
        if (provenance is not null)
        {
            grid.AddRow(new Markup("[grey]worker[/]"), new Text($"{provenance.WorkerRole} {provenance.WorkerInstance}"));
            if (provenance.ModelId is not null)
                grid.AddRow(new Markup("[grey]model[/]"), new Text($"{provenance.ModelId} (checkpoint {provenance.CheckpointHash})"));
            if (provenance.Sampling is { } s)
                grid.AddRow(new Markup("[grey]sampling[/]"), new Text($"seed {provenance.Seed}, temperature {s.Temperature}, top_p {s.TopP}, top_k {s.TopK}, max_new_tokens {s.MaxNewTokens}"));
            grid.AddRow(new Markup("[grey]constitution[/]"), new Text($"{provenance.ConstitutionId} sha256:{provenance.ConstitutionHash[..16]}…, template {provenance.PromptTemplateVersion}"));
            grid.AddRow(new Markup("[grey]ids[/]"), new Text($"step {provenance.StepId}, caused by {provenance.CausationId}, at {provenance.RecordedAt:O}"));
        }
        return new Panel(grid).Header($"#{version} {title} (seq {sequence})").Expand();
    }
}
