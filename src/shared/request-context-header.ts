/** The Temporal header that carries an API request's id (client → workflow → activities and child workflows). */
export const REQUEST_ID_HEADER = 'request-id';
