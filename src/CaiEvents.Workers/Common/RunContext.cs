using CaiEvents.Contracts;
using CaiEvents.Domain;
using CaiEvents.Domain.Chat;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Sl;
using CaiEvents.Models;
using CaiEvents.Models.Chat;

namespace CaiEvents.Workers.Common;

/// <summary>What every step of a run needs: its frozen configuration and the parsed constitution.</summary>
public sealed record RunContext(Guid RunId, RunConfiguration Configuration, ConstitutionSnapshot Snapshot, Constitution Constitution)
{
    /// <summary>
    /// Provenance of a step. When the step's model has a chat template, the prompt was rendered with it: provenance names
    /// the template (<see cref="ChatTemplate.ProvenanceName"/>) and the template version says so (<see cref="RoleDialogues.ChatVersion"/>).
    /// A remote model's provenance records what its server said about it (<see cref="Served"/>); a local model's has none.
    /// </summary>
    /// <param name="served">What the step's responses said about the server (their <c>system_fingerprint</c>), if anything.</param>
    public Provenance Provenance<TItem>(TItem item, string stepName, Guid causationId, string role, WorkerIdentity worker,
        ModelIdentity? model, string? principleId, SamplingParameters? sampling, long? seed, TimeProvider clock, string? templateVersion = null,
        ChatTemplate? chatTemplate = null, ServedModel? served = null)
        where TItem : IItemState<TItem> =>
        new(RunId, item.Id, DeterministicIds.Step(item.Id, stepName), causationId, RunId, role, worker.Instance,
            model?.ModelId, model?.CheckpointHash, Snapshot.Id, Snapshot.ContentHash, principleId,
            TemplateVersion(templateVersion ?? Configuration.PromptTemplateVersion, chatTemplate), sampling, seed, clock.GetUtcNow(),
            chatTemplate?.ProvenanceName, Served(model?.Served, served));

    /// <summary>
    /// The served-model record of a step: the model's <c>/v1/models</c> entry (<see cref="ModelIdentity.Served"/>) with the
    /// <c>system_fingerprint</c> of the step's response where one was given; either alone when the other is missing; null for local models.
    /// </summary>
    public static ServedModel? Served(ServedModel? listed, ServedModel? response) => (listed, response) switch
    {
        (null, _) => response,
        (_, null) => listed,
        _ => listed with { SystemFingerprint = response.SystemFingerprint ?? listed.SystemFingerprint },
    };

    /// <summary>The template version of a prompt rendered with <paramref name="chatTemplate"/> (or as plain text when null).</summary>
    public static string TemplateVersion(string templateVersion, ChatTemplate? chatTemplate) =>
        chatTemplate is null ? templateVersion : RoleDialogues.ChatVersion(templateVersion);

    /// <summary>What a sample needs next in this run (see <see cref="SlDecider.NextCommand"/>).</summary>
    public object? NextSlCommand(SampleState state) => SlDecider.NextCommand(state, Configuration.Revisions);

    /// <summary>Provenance of a step whose output came from a model call.</summary>
    public Provenance Provenance<TItem>(TItem item, string stepName, Guid causationId, string role, WorkerIdentity worker,
        StepGeneration generated, string? principleId, TimeProvider clock, string? templateVersion = null) where TItem : IItemState<TItem> =>
        Provenance(item, stepName, causationId, role, worker, generated.Model, principleId, generated.Sampling, generated.Seed, clock, templateVersion,
            generated.ChatTemplate, generated.Served);
}
