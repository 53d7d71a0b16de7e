using CaiEvents.Contracts;

namespace CaiEvents.Models;

public sealed record GenerationRequest(string Prompt, SamplingParameters Sampling, long Seed);
