using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;

namespace CaiEvents.EventStore.Audit;

/// <summary>One named value of an event, as an auditor reads it.</summary>
public sealed record EventField(string Name, string Value);

/// <summary>An event put into words: a title, its fields in reading order, and the provenance it carries (if any).</summary>
public sealed record EventDescription(string Title, Provenance? Provenance, IReadOnlyList<EventField> Fields);

/// <summary>
/// The one place that decides how each event is explained; `cai audit` renders it as panels and the dashboard
/// as a timeline, so both always show the same fields.
/// </summary>
public static class EventDescriptions
{
    // Tokens are quoted as JSON strings but stay readable (non-ASCII as is); audit text is never embedded in HTML unescaped.
    private static readonly JsonSerializerOptions ReadableJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static EventDescription Describe(object data) => data switch
    {
        PromptSubmitted e => new("PromptSubmitted", e.Provenance,
            [new("prompt id", e.PromptId), new("source", $"{e.PromptSource}:{e.SourceLine}"), new("prompt", e.Prompt)]),
        ResponseGenerated e => new("ResponseGenerated", e.Provenance, [.. ChatPrompt(e.Provenance, e.RenderedPrompt), new("response", e.Response)]),
        CritiqueProduced e => new($"CritiqueProduced (round {e.Round})", e.Provenance,
            [new("principle", e.PrincipleId), new("request", e.CritiqueRequest), .. FewShot(e.FewShot), .. ChatPrompt(e.Provenance, e.RenderedPrompt),
                new("critique", e.Critique)]),
        RevisionProduced e => new($"RevisionProduced (round {e.Round})", e.Provenance,
            [new("principle", e.PrincipleId), new("request", e.RevisionRequest), .. FewShot(e.FewShot), .. ChatPrompt(e.Provenance, e.RenderedPrompt),
                new("revision", e.Revision)]),
        SlExampleFinalized e => new("SlExampleFinalized", e.Provenance,
            [new("completion", e.Completion), new("rounds", e.Rounds.ToString(CultureInfo.InvariantCulture))]),
        SampleStepFailed e => new($"SampleStepFailed ({e.Step})", e.Provenance, [new("error", $"{e.ErrorType}: {e.ErrorMessage}")]),
        ComparisonSubmitted e => new("ComparisonSubmitted", e.Provenance,
            [new("prompt id", e.PromptId), new("source", $"{e.PromptSource}:{e.SourceLine}"), new("prompt", e.Prompt)]),
        ResponsePairGenerated e => new("ResponsePairGenerated", e.Provenance,
        [
            .. ChatPrompt(e.Provenance, e.RenderedPrompt),
            new("response A", $"{e.A.Text}  (id {e.A.ResponseId}, seed {e.A.Seed})"),
            new("response B", $"{e.B.Text}  (id {e.B.ResponseId}, seed {e.B.Seed})"),
        ]),
        PreferenceLabelled e => new($"PreferenceLabelled ({e.Mode})", e.Provenance, [.. FewShot(e.FewShot), .. e.Judgements.SelectMany(Judgement),
            new("average", Invariant($"{e.AveragedProbabilityA:0.######} over {e.Judgements.Count} judgement(s)")),
            new("clamping", e.Mode == LabelMode.ChainOfThought
                ? Invariant($"[{e.ClampLow}, {e.ClampHigh}]{(e.Clamped ? " applied" : " not needed")}")
                : "none"),
            new("P(A preferred)",
                Invariant($"{e.ProbabilityA:0.######} (label {e.LabelId}; A = {e.ResponseAId}, B = {e.ResponseBId}; template {e.FeedbackTemplateVersion})")),
        ]),
        ComparisonStepFailed e => new($"ComparisonStepFailed ({e.Step})", e.Provenance, [new("error", $"{e.ErrorType}: {e.ErrorMessage}")]),
        RunStarted e => new("RunStarted", null,
        [
            new("samples", e.SampleCount.ToString(CultureInfo.InvariantCulture)),
            new("comparisons", e.ComparisonCount().ToString(CultureInfo.InvariantCulture)),
            new("submitted by", e.SubmittedBy),
        ]),
        RunCompleted e => new("RunCompleted", null,
        [
            new("finalised", e.Finalized.ToString(CultureInfo.InvariantCulture)),
            new("failed", e.Failed.ToString(CultureInfo.InvariantCulture)),
            new("completed by", e.CompletedBy),
        ]),
        PreferenceImported e => new("PreferenceImported", null,
            [new("source", $"{e.Origin.File}:{e.Origin.Line}"), new("prompt", e.Prompt), new("chosen", e.Chosen), new("rejected", e.Rejected)]),
        PreferenceImportRowsSkipped e => new("PreferenceImportRowsSkipped", null,
        [
            new("file", e.File), new("sha256", e.FileSha256), new("skipped", e.Rows.Count.ToString(CultureInfo.InvariantCulture)),
            .. e.Rows.Select(r => new EventField($"line {r.Origin.Line.ToString(CultureInfo.InvariantCulture)}", r.Reason)),
        ]),
        _ => new(data.GetType().Name, null, []),
    };

    /// <summary>
    /// One judgement of a label: its log-probs and probabilities and its prompt; for a label read from a server's top log-probs also
    /// the A/B mass, the request as sent and the top log-probs as received (in the order the server gave them).
    /// </summary>
    private static EventField[] Judgement(FeedbackJudgement j, int index)
    {
        var n = index + 1;
        var mass = j.OptionMass is { } m ? Invariant($"A/B mass {m:0.####} ") : "";
        EventField[] fields =
        [
            new($"judgement {n}", Invariant($"principle {j.PrincipleId}, order {j.Order}: ")
                + Invariant($"log P(\" (A)\") = {j.LogProbOptionA:0.####}, log P(\" (B)\") = {j.LogProbOptionB:0.####} ")
                + mass + Invariant($"-> P(first) = {j.ProbabilityFirstOption:0.####} -> P(response A) = {j.ProbabilityA:0.####}")),
            new($"  prompt {n}", j.RenderedPrompt),
        ];
        if (j.SentRequest is { } sent) fields = [.. fields, new($"  sent {n}", sent)];
        if (j.TopLogProbs is { } top) fields = [.. fields, new($"  top log-probs {n}", TopLogProbs(top))];
        return fields;
    }

    /// <summary>Top log-probs as received: each token quoted as JSON (so a leading space or a newline shows) with its log-prob and probability.</summary>
    public static string TopLogProbs(IReadOnlyList<TopLogProb> top) => top.Count == 0 ? "(none received)"
        : string.Join(", ", top.Select(t =>
            Invariant($"{JsonSerializer.Serialize(t.Token, ReadableJson)} {t.LogProb:0.####} (p {Math.Exp(t.LogProb):0.####})")));

    /// <summary>What a server said about the model of a step, in one line (<see cref="Provenance.Served"/>).</summary>
    public static string Served(ServedModel served)
    {
        ArgumentNullException.ThrowIfNull(served);
        var parts = new List<string> { $"id {served.Id}" };
        if (served.OwnedBy is { } owner) parts.Add($"owned by {owner}");
        if (served.Root is { } root) parts.Add($"root {root}");
        if (served.MaxModelLength is { } length) parts.Add(Invariant($"max length {length}"));
        if (served.SystemFingerprint is { } fingerprint) parts.Add($"system_fingerprint {fingerprint}");
        return string.Join(", ", parts);
    }

    /// <summary>The provenance an event carries, or null for run-level and imported events.</summary>
    public static Provenance? ProvenanceOf(object data) => Describe(data).Provenance;

    /// <summary>
    /// The rendered prompt of a step whose model has a chat template, so an auditor sees the template at work; plain-text
    /// prompts (base models) are not shown, as before.
    /// </summary>
    private static EventField[] ChatPrompt(Provenance provenance, string renderedPrompt) =>
        provenance.ChatTemplate is { } template ? [new($"prompt ({template})", renderedPrompt)] : [];

    /// <summary>The few-shot examples a step's prompt began with (id and the start of the content hash); nothing for a zero-shot prompt.</summary>
    private static EventField[] FewShot(IReadOnlyList<FewShotUse>? examples) =>
        examples is null or { Count: 0 } ? [] : [new("few-shot", string.Join(", ", examples.Select(x => $"{x.Id} (sha256:{x.ContentHash[..12]})")))];

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
