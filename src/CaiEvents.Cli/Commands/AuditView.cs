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
            ComparisonSubmitted e => ("ComparisonSubmitted", e.Provenance, new[] { ("prompt id", e.PromptId), ("source", $"{e.PromptSource}:{e.SourceLine}"), ("prompt", e.Prompt) }),
            ResponsePairGenerated e => ("ResponsePairGenerated", e.Provenance, new[]
            {
                ("response A", $"{e.A.Text}  (id {e.A.ResponseId}, seed {e.A.Seed})"),
                ("response B", $"{e.B.Text}  (id {e.B.ResponseId}, seed {e.B.Seed})"),
            }),
            PreferenceLabelled e => ($"PreferenceLabelled ({e.Mode})", e.Provenance, e.Judgements.SelectMany((j, i) => new[]
            {
                ($"judgement {i + 1}", $"principle {j.PrincipleId}, order {j.Order}: log P(\" (A)\") = {j.LogProbOptionA:0.####}, log P(\" (B)\") = {j.LogProbOptionB:0.####} -> P(first) = {j.ProbabilityFirstOption:0.####} -> P(response A) = {j.ProbabilityA:0.####}"),
                ($"  prompt {i + 1}", j.RenderedPrompt),
            }).Concat(new[]
            {
                ("average", $"{e.AveragedProbabilityA:0.######} over {e.Judgements.Count} judgement(s)"),
                ("clamping", e.Mode == Contracts.LabelMode.ChainOfThought ? $"[{e.ClampLow}, {e.ClampHigh}]{(e.Clamped ? " applied" : " not needed")}" : "none"),
                ("P(A preferred)", $"{e.ProbabilityA:0.######} (label {e.LabelId}; A = {e.ResponseAId}, B = {e.ResponseBId}; template {e.FeedbackTemplateVersion})"),
            }).ToArray()),
            ComparisonStepFailed e => ($"ComparisonStepFailed ({e.Step})", e.Provenance, new[] { ("error", $"{e.ErrorType}: {e.ErrorMessage}") }),
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
