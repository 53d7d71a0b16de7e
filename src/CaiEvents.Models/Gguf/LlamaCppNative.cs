using LLama.Native;

namespace CaiEvents.Models.Gguf;

/// <summary>
/// One-time setup of the llama.cpp native library: its chatty load log is dropped and only errors reach stderr, so
/// command output stays clean. Must run before the library is first used, hence a static guard.
/// </summary>
internal static class LlamaCppNative
{
    private static readonly Lazy<bool> Configured = new(() =>
    {
        NativeLogConfig.llama_log_set((level, message) =>
        {
            if (level == LLamaLogLevel.Error)
            {
                Console.Error.Write(message);
            }
        });
        return true;
    });

    public static void EnsureQuiet() => _ = Configured.Value;
}
