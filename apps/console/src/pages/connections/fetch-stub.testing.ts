/**
 * For component tests: imported before the API client, so the client (which takes
 * globalThis.fetch when it is created) sends its requests to `answer`, a real Request in, a real
 * Response out: nothing is mocked above the network.
 */
export const requests: Request[] = [];
let answer: (request: Request) => Response | Promise<Response> = () => new Response(null, { status: 599 });

export function answerWith(next: (request: Request) => Response | Promise<Response>): void {
  answer = next;
}

globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
  const request = input instanceof Request ? input : new Request(input, init);
  requests.push(request);
  return answer(request);
};
