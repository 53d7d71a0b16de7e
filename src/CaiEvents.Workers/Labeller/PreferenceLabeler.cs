using CaiEvents.Contracts;
using CaiEvents.Contracts.Events;
using CaiEvents.Domain.Constitutions;
using CaiEvents.Domain.Rl;
using CaiEvents.Models;

namespace CaiEvents.Workers.Labeller;

/// <summary>The label of one pair and every judgement behind it.</summary>
public sealed record PreferenceLabel(IReadOnlyList<FeedbackJudgement> Judgements, double AveragedProbabilityA, double ProbabilityA, bool Clamped);

/// <summary>
/// AI feedback for one response pair, separated from messaging so it can be checked with any model: for each
/// principle and both option orders, score " (A)" and " (B)" after the question, normalise, map back to
/// response A, average; then clamp (chain of thought) or round (hard labels).
/// </summary>
public static class PreferenceLabeler
{
    /// <summary>Writes the reasoning for one (principle, order) in chain-of-thought mode: (prompt, step name) → text.</summary>
    public delegate Task<string> Reason(string reasoningPrompt, string stepName, CancellationToken ct);

    public static async Task<PreferenceLabel> LabelAsync(ITextModel model, string prompt, string responseA, string responseB,
        IReadOnlyList<ComparisonPrinciple> principles, LabelMode mode, double clampLow, double clampHigh, Reason? reason, CancellationToken ct)
    {
        var judgements = new List<FeedbackJudgement>();
        foreach (var principle in principles)
        {
            foreach (var swapped in new[] { false, true })
            {
                var (first, second) = swapped ? (responseB, responseA) : (responseA, responseB);
                var order = swapped ? "BA" : "AB";
                string question;
                string? reasoning = null;
                if (mode == LabelMode.ChainOfThought)
                {
                    if (reason is null) throw new ArgumentException("chain-of-thought labels need a reasoning generator", nameof(reason));
                    var reasoningPrompt = FeedbackPrompt.RenderReasoning(prompt, principle.Question, first, second);
                    reasoning = await reason(reasoningPrompt, $"reasoning:{principle.Id}:{order}", ct);
                    question = FeedbackPrompt.RenderAfterReasoning(reasoningPrompt, reasoning);
                }
                else
                {
                    question = FeedbackPrompt.Render(prompt, principle.Question, first, second);
                }
                var scores = await model.ScoreAsync(question, [FeedbackPrompt.OptionA, FeedbackPrompt.OptionB], ct);
                var pFirst = PreferenceLabelMath.Normalise(scores[0].TotalLogProb, scores[1].TotalLogProb);
                judgements.Add(new FeedbackJudgement(principle.Id, order, question, reasoning, scores[0].TotalLogProb, scores[1].TotalLogProb,
                    pFirst, PreferenceLabelMath.ProbabilityOfA(pFirst, swapped)));
            }
        }
        var averaged = PreferenceLabelMath.Average(judgements.Select(j => j.ProbabilityA).ToList());
        var final = mode switch
        {
            LabelMode.ChainOfThought => PreferenceLabelMath.Clamp(averaged, clampLow, clampHigh),
            LabelMode.Hard => PreferenceLabelMath.Hard(averaged),
            _ => averaged,
        };
        return new PreferenceLabel(judgements, averaged, final, mode == LabelMode.ChainOfThought && final != averaged);
    }
}
