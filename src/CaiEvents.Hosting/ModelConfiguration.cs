using CaiEvents.Models;
using CaiEvents.Models.Gguf;
using CaiEvents.Models.Remote;
using Microsoft.Extensions.Configuration;

namespace CaiEvents.Hosting;

/// <summary>
/// The one place a process decides where and how its models run: the "Models" section (Device, DType, InitSeed,
/// ChatTemplate, Remote, LlamaCpp) becomes the <see cref="ModelOptions"/> every role, job and command uses. Defaults: cpu, float32.
/// </summary>
public static class ModelConfiguration
{
    public const string Section = "Models";

    public static ModelOptions Options(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        return new ModelOptions(
            Device: section["Device"] is { Length: > 0 } device ? device : "cpu",
            DType: section["DType"] is { Length: > 0 } dtype ? dtype : "float32",
            Seed: section.GetValue<long?>("InitSeed") ?? 1234)
        {
            Remote = section.GetSection("Remote").Get<RemoteModelOptions>() ?? new RemoteModelOptions(),
            LlamaCpp = section.GetSection("LlamaCpp").Get<LlamaCppOptions>() ?? new LlamaCppOptions(),
            ChatTemplate = section["ChatTemplate"] is { Length: > 0 } template ? template : null,
        };
    }
}
