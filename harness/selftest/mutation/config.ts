/** Names shared by the mutation command and the test file it runs. */
export const MUTATION_SLUG_ENV = 'KATA_MUTATION_SLUG';
