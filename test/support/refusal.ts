import { expect } from "vitest";
import { QwenServingError } from "../../components/problems";

/**
 * The QwenServingError `run` throws (of `stage`, when given). Fails the test when `run` returns,
 * or throws anything else.
 */
export function refusal(run: () => unknown, stage?: QwenServingError["stage"]): QwenServingError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(QwenServingError);
    if (stage) expect((e as QwenServingError).stage).toBe(stage);
    return e as QwenServingError;
  }
  throw new Error(`${stage ?? "it"} was accepted`);
}
